-- PostGIS itself. On the real server the app checks it is available before migrating.
CREATE EXTENSION IF NOT EXISTS postgis;
