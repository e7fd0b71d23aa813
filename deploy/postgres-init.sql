-- One PostgreSQL server, one database per service: no service can read another's tables.
CREATE DATABASE scoring OWNER jixiao;
CREATE DATABASE survey OWNER jixiao;
CREATE DATABASE report OWNER jixiao;
CREATE DATABASE gateway OWNER jixiao;
