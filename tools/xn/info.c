int xn_placeholder_info;
