"""The rest of the WRES return that comes from other systems' records: indicator 3 (entry into a
formal disciplinary investigation, from employee-relations case starts) and indicator 4 (access to
non-mandatory training and CPD, from the learning management system's records)."""
