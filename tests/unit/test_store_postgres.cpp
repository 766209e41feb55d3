// What is particular to the PostgreSQL backend. Every test here has "postgres" in its name (CTest label).
