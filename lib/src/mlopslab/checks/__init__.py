"""Per-lab exercise checks: module ``labNN`` declares the exercises of lab NN."""
