-- One database per service that owns PostgreSQL data (docs/architecture.md §2).
CREATE DATABASE refarch_users;
CREATE DATABASE refarch_payments;
CREATE DATABASE refarch_inventory;
CREATE DATABASE refarch_sagas;
CREATE DATABASE refarch_shipping;
-- Only when order-service runs its PostgreSQL adapter (ORDERS_DB_URL=postgres://…).
CREATE DATABASE refarch_orders;
-- notification-worker (generated)
CREATE DATABASE refarch_notification;
-- analytics-worker (generated)
CREATE DATABASE refarch_analytics;
