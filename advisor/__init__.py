"""dbadvisor: score a described workload against a sourced knowledge base of databases."""

__version__ = "0.1.0"
