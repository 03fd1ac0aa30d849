"""Schema data files (YAML), installed as package data of tmekg."""
