int xn_placeholder_main;
int main(void){return 0;}
