// The full scenario, driven through openapi-fetch with types from openapi-typescript (no hand-written HTTP).
// .ci/clients generates schema.d.ts next to this file, type-checks it with `tsc --strict`, compiles it and runs
// it with node's test runner against a mock at INFRAI_MOCK_URL.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];

const baseUrl = process.env.INFRAI_MOCK_URL;
if (!baseUrl) throw new Error("INFRAI_MOCK_URL is not set");
const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ts-${randomUUID()}` } });

/** The typed 200 answer; anything else fails with the server's error envelope. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  assert.equal(result.response.status, 200, JSON.stringify(result.error));
  assert.ok(result.data !== undefined);
  return result.data;
}

test("the generated TypeScript client drives all 16 operations", async () => {
  // Capture, both shapes of the union.
  const withMessage: Schemas["CaptureWithMessage"] = {
    message: "payment failed for order 1234",
    code: "PAYMENT_DECLINED",
    tags: { service: "checkout" },
  };
  const first = ok(await client.POST("/v1/errors/capture", { body: withMessage }));
  assert.ok(first.is_new_group);
  const withException: Schemas["CaptureWithException"] = {
    exception: { type: "ValueError", message: "bad input", stacktrace: "..." },
    level: "error",
  };
  const second = ok(await client.POST("/v1/errors/capture", { body: withException }));
  assert.notEqual(second.error_group_id, first.error_group_id);
  const again = ok(await client.POST("/v1/errors/capture", { body: withException }));
  assert.equal(again.error_group_id, second.error_group_id);

  // A message with an idempotency key (the reference's own `{"text": ...}` type-checks: no forced defaults).
  const note: Schemas["MessageRequest"] = { text: "cache miss rate above 40%", idempotency_key: "alert-1" };
  const message = ok(await client.POST("/v1/errors/message", { body: note }));
  const repeat = ok(await client.POST("/v1/errors/message", { body: note }));
  assert.ok(repeat.duplicate);
  assert.equal(repeat.error_id, message.error_id);

  // List with a filter (a JSON string whose schema is ErrorFilter), search, get.
  const wanted: Schemas["ErrorFilter"] = { level: ["error"], "tags.service": "checkout" };
  const listed = ok(await client.GET("/v1/errors/list", { params: { query: { filter: JSON.stringify(wanted) } } }));
  assert.deepEqual(
    listed.items.map((event) => event.id),
    [first.error_id],
  );
  const found = ok(await client.GET("/v1/errors/search", { params: { query: { q: "bad input" } } }));
  assert.deepEqual(new Set(found.items.map((event) => event.error_group_id)), new Set([second.error_group_id]));
  const event = ok(
    await client.GET("/v1/errors/get/{event_id}", { params: { path: { event_id: first.error_id } } }),
  );
  assert.equal(event.code, "PAYMENT_DECLINED");

  // Groups with status and sort, a group's detail, its events page by page.
  const groups = ok(
    await client.GET("/v1/errors/groups", { params: { query: { status: "unresolved", sort: "count_desc" } } }),
  );
  assert.equal(groups.items[0].id, second.error_group_id);
  assert.equal(groups.items[0].count, 2);
  const substatus: Schemas["Substatus"] | null = groups.items[0].substatus;
  assert.equal(substatus, "new");
  const group = { path: { error_group_id: second.error_group_id } };
  const detail = ok(await client.GET("/v1/errors/group_detail/{error_group_id}", { params: group }));
  assert.equal(detail.hourly.length, 24);
  const seen: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = ok(
      await client.GET("/v1/errors/events/{error_group_id}", {
        params: { ...group, query: { limit: 1, cursor } },
      }),
    );
    seen.push(...page.items.map((item) => item.id));
    if (page.next_cursor === null) break;
    cursor = page.next_cursor;
  }
  assert.equal(new Set(seen).size, 2);

  // The lifecycle, one group at a time and in bulk.
  const target = { params: { path: { error_group_id: first.error_group_id } } };
  assert.equal(ok(await client.POST("/v1/errors/resolve/{error_group_id}", target)).status, "resolved");
  assert.equal(ok(await client.POST("/v1/errors/unresolve/{error_group_id}", target)).status, "unresolved");
  assert.equal(ok(await client.POST("/v1/errors/ignore/{error_group_id}", target)).status, "ignored");
  const bulk = ok(
    await client.POST("/v1/errors/bulk", {
      body: { error_group_ids: [first.error_group_id, "grp_missing"], action: "resolve" },
    }),
  );
  assert.deepEqual(bulk.succeeded, [first.error_group_id]);
  assert.deepEqual(
    bulk.failed.map((failure) => failure.error_group_id),
    ["grp_missing"],
  );

  // Export as JSON and as CSV.
  const exported = ok(await client.POST("/v1/errors/export", { body: { format: "json" } }));
  assert.equal(exported.events?.length, 4);
  const asCsv = ok(await client.POST("/v1/errors/export", { body: { format: "csv" } }));
  assert.equal(asCsv.csv?.trimEnd().split("\r\n").length, 5);

  // Retention, read and set.
  assert.equal(ok(await client.GET("/v1/errors/retention/get")).days, 90);
  const retention = ok(
    await client.PUT("/v1/errors/retention/set", {
      body: { days: 30, auto_export_before_cleanup: true, export_destination: "s3://bucket/infrai/" },
    }),
  );
  assert.equal(retention.days, 30);

  // Delete: the group and its events are gone; the 404 names the resource in typed details.
  const deleted = ok(await client.DELETE("/v1/errors/delete/{error_group_id}", { params: group }));
  assert.equal(deleted.deleted_events, 2);
  const missing = await client.GET("/v1/errors/get/{event_id}", { params: { path: { event_id: seen[0] } } });
  assert.equal(missing.response.status, 404);
  assert.equal(missing.error?.error.details?.id, seen[0]);

  // A refused request names field and rule.
  const refused = await client.GET("/v1/errors/list", { params: { query: { limit: 500 } } });
  assert.equal(refused.response.status, 400);
  assert.deepEqual(
    [refused.error?.error.details?.field, refused.error?.error.details?.rule],
    ["limit", "maximum"],
  );
});
