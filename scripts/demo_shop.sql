-- demo_shop.sql - the demo's source: a small web shop's SQLite database,
-- generated (sqlite3 shop.db < scripts/demo_shop.sql), about 1.75M rows.
--
-- It looks like what customers hand over: CamelCase names, 0/1 flags in
-- TINYINT(1) columns, empty strings where NULL was meant, money in cents,
-- a composite key, foreign keys, and text with tabs, quotes and non-ASCII.
-- The data is deterministic (no random()), so the demo's numbers repeat.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA foreign_keys = ON;

CREATE TABLE Customers (
  CustomerId INTEGER PRIMARY KEY,
  Email VARCHAR(120) NOT NULL UNIQUE,
  FullName VARCHAR(80) NOT NULL,
  Phone VARCHAR(20) NOT NULL DEFAULT '',
  IsActive TINYINT(1) NOT NULL DEFAULT 1,
  CreatedAt DATETIME NOT NULL);

CREATE TABLE Products (
  ProductId INTEGER PRIMARY KEY,
  Sku VARCHAR(16) NOT NULL UNIQUE,
  Name VARCHAR(80) NOT NULL,
  Description TEXT,
  PriceCents INTEGER NOT NULL,
  WeightKg REAL,
  InStock TINYINT(1) NOT NULL DEFAULT 1);

CREATE TABLE Orders (
  OrderId INTEGER PRIMARY KEY,
  CustomerId INTEGER NOT NULL REFERENCES Customers (CustomerId),
  OrderedAt DATETIME NOT NULL,
  Status VARCHAR(12) NOT NULL,
  ShipNote TEXT NOT NULL DEFAULT '');
CREATE INDEX OrdersByCustomer ON Orders (CustomerId, OrderedAt);

CREATE TABLE OrderItems (
  OrderId INTEGER NOT NULL REFERENCES Orders (OrderId),
  LineNo INTEGER NOT NULL,
  ProductId INTEGER NOT NULL REFERENCES Products (ProductId),
  Quantity INTEGER NOT NULL,
  UnitCents INTEGER NOT NULL,
  PRIMARY KEY (OrderId, LineNo));

CREATE TABLE Reviews (
  ReviewId INTEGER PRIMARY KEY,
  ProductId INTEGER NOT NULL REFERENCES Products (ProductId),
  CustomerId INTEGER NOT NULL REFERENCES Customers (CustomerId),
  Stars TINYINT NOT NULL,
  Body TEXT NOT NULL DEFAULT '',
  Helpful TINYINT(1) NOT NULL DEFAULT 0);

BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
INSERT INTO Customers
SELECT i, 'customer' || i || '@example.com',
       CASE i % 7 WHEN 0 THEN 'Zoë Ørsted ' || i WHEN 1 THEN 'O''Brien ' || i
                  ELSE 'Customer ' || i END,
       CASE WHEN i % 4 = 0 THEN '' ELSE '+1-555-' || substr('0000' || (i % 10000), -4) END,
       CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END,
       datetime('2019-01-01', '+' || (i * 37 % 1900) || ' days', '+' || (i % 86400) || ' seconds')
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
INSERT INTO Products
SELECT i, printf('SKU-%06d', i), 'Product ' || i,
       CASE WHEN i % 5 = 0 THEN NULL
            ELSE 'Size M' || char(9) || 'colour "blue"' || char(10) || 'ships in ' || (i % 9 + 1) || ' days' END,
       199 + i * 7 % 20000, round(0.1 + (i % 300) * 0.05, 2), CASE WHEN i % 13 = 0 THEN 0 ELSE 1 END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400000)
INSERT INTO Orders
SELECT i, 1 + i * 7919 % 50000,
       datetime('2021-01-01', '+' || (i * 13 % 1400) || ' days', '+' || (i * 7 % 86400) || ' seconds'),
       CASE i % 20 WHEN 0 THEN 'cancelled' WHEN 1 THEN 'returned' ELSE 'shipped' END,
       CASE WHEN i % 9 = 0 THEN 'leave at the door' ELSE '' END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1199999)
INSERT INTO OrderItems
SELECT 1 + i / 3, 1 + i % 3, 1 + (i * 31 % 2000), 1 + i % 4, 199 + (i * 31 % 2000) * 7 % 20000
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
INSERT INTO Reviews
SELECT i, 1 + i * 17 % 2000, 1 + i * 101 % 50000, 1 + i % 5,
       CASE WHEN i % 3 = 0 THEN '' ELSE 'Review ' || i || ': ' ||
            CASE i % 4 WHEN 0 THEN 'très bien 👍' WHEN 1 THEN 'ok' WHEN 2 THEN 'would buy again'
                       ELSE 'arrived late, "fine" otherwise' END END,
       CASE WHEN i % 6 = 0 THEN 1 ELSE 0 END
FROM n;
COMMIT;
