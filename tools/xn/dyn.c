int xn_placeholder_dyn;
