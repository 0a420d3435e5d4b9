"""Production scenarios run for real against the simulator: shared by the benchmarks, the tests and
(later) `grocery-scanner prodtest`."""
