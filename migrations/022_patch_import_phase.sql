-- What a patch import in state 'reading' is doing: reading the file, or checking what was read in
-- PostGIS (validity, repairs, placement, the mapped attributes, the GCJ-02 control). A 100,000-patch
-- file is read in a few seconds and then checked for about as long; the wizard showed
-- "reading 100,000 / 100,000" all that time. Layer imports report their phase the same way (008).
ALTER TABLE detection_imports ADD COLUMN phase text CHECK (phase IN ('reading', 'checking'));
