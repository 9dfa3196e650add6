// The daily batch job: one day of order facts from the analytics database, as Parquet (written by DuckDB), into the
// data lake on S3-compatible storage (@aws-sdk/client-s3), partitioned by date. Re-running a date replaces its
// partition: the new file goes in under the partition's one key, and anything else under the prefix is removed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Pool } from 'pg';

/** The Parquet columns of `orders/date=<day>/part-0.parquet`, in order. */
export const ORDER_FACT_COLUMNS = {
  order_id: 'VARCHAR',
  user_id: 'VARCHAR',
  created_at: 'TIMESTAMPTZ',
  finished_at: 'TIMESTAMPTZ',
  status: 'VARCHAR',
  rejection_kind: 'VARCHAR',
  total_cents: 'BIGINT',
  item_count: 'INTEGER',
  saga_ms: 'BIGINT',
} as const;

export const partitionPrefix = (date: string) => `orders/date=${date}/`;
export const partitionKey = (date: string) => `${partitionPrefix(date)}part-0.parquet`;

export interface ExportResult {
  date: string;
  bucket: string;
  key: string;
  rows: number;
  bytes: number;
  /** Objects of an earlier run of the same date that were removed. */
  replaced: string[];
}

/** `YYYY-MM-DD` that is a real calendar day. */
export function isDay(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
}

/** The orders created on `date` (UTC), as NDJSON lines with the Parquet columns. */
async function orderFacts(pool: Pool, date: string): Promise<string[]> {
  const { rows } = await pool.query<Record<string, unknown>>(
    `SELECT order_id, user_id, created_at, finished_at, status, rejection_kind, total_cents, item_count,
            (extract(epoch FROM finished_at - created_at) * 1000)::bigint AS saga_ms
     FROM order_facts
     WHERE created_at >= $1::date AND created_at < $1::date + 1
     ORDER BY created_at, order_id`,
    [date],
  );
  return rows.map((r) => JSON.stringify(r));
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

export async function exportDay(
  options: { pool: Pool; s3: S3Client; bucket: string; date: string },
  progress: (line: string) => void = () => undefined,
): Promise<ExportResult> {
  const { pool, s3, bucket, date } = options;
  if (!isDay(date)) throw new Error(`--date must be a day, YYYY-MM-DD (got "${date}")`);
  const work = mkdtempSync(path.join(tmpdir(), 'refarch-export-'));
  try {
    const lines = await orderFacts(pool, date);
    progress(`read ${lines.length} orders of ${date} from the analytics database`);
    const json = path.join(work, 'facts.ndjson');
    const parquet = path.join(work, 'part-0.parquet');
    writeFileSync(json, lines.join('\n'));
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    try {
      const columns = Object.entries(ORDER_FACT_COLUMNS)
        .map(([name, type]) => `${name}: '${type}'`)
        .join(', ');
      // An empty day is a file with the columns and no rows (read_json of an empty file has no schema to give).
      const source = lines.length
        ? `read_json('${json}', format = 'newline_delimited', columns = {${columns}})`
        : `(SELECT ${Object.entries(ORDER_FACT_COLUMNS)
            .map(([n, t]) => `NULL::${t} AS ${n}`)
            .join(', ')} LIMIT 0)`;
      await connection.run(`COPY (SELECT * FROM ${source}) TO '${parquet}' (FORMAT parquet, COMPRESSION snappy)`);
    } finally {
      connection.closeSync();
      duck.closeSync();
    }
    const body = readFileSync(parquet);
    await ensureBucket(s3, bucket);
    const key = partitionKey(date);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/vnd.apache.parquet' }),
    );
    progress(`wrote s3://${bucket}/${key} (${body.length} bytes)`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: partitionPrefix(date) }));
    const stale = (listed.Contents ?? []).map((o) => o.Key!).filter((k) => k !== key);
    if (stale.length) {
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: stale.map((Key) => ({ Key })) } }));
      progress(`removed ${stale.length} object(s) of an earlier run`);
    }
    return { date, bucket, key, rows: lines.length, bytes: body.length, replaced: stale };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
