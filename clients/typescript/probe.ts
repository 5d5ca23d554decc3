// Type probes: mistakes the generated types must refuse. `tsc --noEmit --strict` fails if a line under an
// expect-error directive type-checks (then the types have become too loose). Never run, only type-checked.
import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Schemas = components["schemas"];
const client = createClient<paths>({ baseUrl: "http://127.0.0.1:8080" });

export async function probes(): Promise<void> {
  // A misspelled capture field.
  // @ts-expect-error `mesage` is not a field of either capture shape.
  await client.POST("/v1/errors/capture", { body: { mesage: "typo" } });
  // @ts-expect-error `levle` is not a field of CaptureWithMessage.
  const typo: Schemas["CaptureRequest"] = { message: "boom", levle: "error" };
  // @ts-expect-error a capture body is an object, not a number.
  await client.POST("/v1/errors/capture", { body: 42 });
  // A wrong-typed `limit`.
  // @ts-expect-error `limit` is a number.
  await client.GET("/v1/errors/list", { params: { query: { limit: "50" } } });
  // @ts-expect-error a level outside the enum.
  await client.POST("/v1/errors/message", { body: { text: "x", level: "loud" } });
  // A tag value must be a string.
  // @ts-expect-error tags map names to strings.
  const tags: Schemas["Tags"] = { retries: 3 };
  // What is right still type-checks (both shapes, and the reference's `{"text": ...}` without its defaults).
  await client.POST("/v1/errors/capture", { body: { message: "m", exception: { type: "T" } } });
  await client.POST("/v1/errors/capture", { body: { exception: { type: "T" } } });
  await client.POST("/v1/errors/message", { body: { text: "..." } });
  void typo;
  void tags;
}
