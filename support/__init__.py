"""Development support shared by the fault tests (tests/reliability) and the benchmark suite
(bench/), both run from the repository root. Never imported by the application (backend/)."""
