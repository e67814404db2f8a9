// Input of the Python op-class generator.
include "dialects/Braze/BrazeOps.td"
