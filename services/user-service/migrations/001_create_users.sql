-- Up Migration
CREATE TABLE users (
  id            uuid PRIMARY KEY,
  -- Stored normalised (trimmed, NFC, lower case): the unique index is the source of truth for "email taken".
  email         text NOT NULL,
  name          text NOT NULL,
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- Down Migration
DROP TABLE users;
