"""`grocery-scanner prodtest`: production scenarios run for real, in this process, against the embedded
demo stores with injected faults. Every figure a scenario reports is measured in that run (at the
simulator, in the database, from the process's memory), and each scenario passes only when its figures
meet their thresholds: the configured SLA targets and the scenario's own named constants."""
