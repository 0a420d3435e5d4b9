"""The basket optimizer: an exact MILP (HiGHS) over stores, offers and the user's limits."""
