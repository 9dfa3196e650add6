-- Up Migration
-- The demo catalog (docs/architecture.md §5: GET /api/products). Prices in integer cents.
INSERT INTO products (sku, name, price_cents, stock) VALUES
  ('MUG-CLASSIC',   'Classic ceramic mug',           1299, 120),
  ('TEE-REFARCH',   'RefArch t-shirt',               2499,  80),
  ('HOODIE-GREY',   'Grey hoodie',                   5999,  40),
  ('CAP-NAVY',      'Navy cap',                      1999,  60),
  ('STICKER-PACK',  'Sticker pack (10)',              499, 500),
  ('NOTEBOOK-A5',   'A5 dotted notebook',             899, 150),
  ('BOTTLE-STEEL',  'Steel water bottle',            2199,  70),
  ('TOTE-CANVAS',   'Canvas tote bag',               1499,  90),
  ('SOCKS-PAIR',    'Patterned socks',                999, 200),
  ('POSTER-K8S',    'Kubernetes poster',             1799,  30),
  ('KEYCAP-SET',    'Mechanical keycap set',         4499,  25),
  ('LAMP-DESK',     'Desk lamp (limited)',           7999,   3)
ON CONFLICT (sku) DO NOTHING;

-- Down Migration
DELETE FROM products WHERE sku IN ('MUG-CLASSIC', 'TEE-REFARCH', 'HOODIE-GREY', 'CAP-NAVY', 'STICKER-PACK',
  'NOTEBOOK-A5', 'BOTTLE-STEEL', 'TOTE-CANVAS', 'SOCKS-PAIR', 'POSTER-K8S', 'KEYCAP-SET', 'LAMP-DESK');
