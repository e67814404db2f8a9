"""Python op classes of braze's dialects (generated from ODS)."""
