"""Quality evaluation: gold articles and the public NER/RE benchmarks."""
