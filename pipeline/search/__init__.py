"""Search over stored mentions (query language, pages, counts), saved searches and exports."""
