// The asset calls in the mode's API: a device speaks Anthias v2, the cloud API v3 (its
// answers mapped to the pages' shape by assetV3.ts, its errors read by toError).
import { isCloud } from "./account";
import { type Asset, type AssetCreate, type AssetPatch, call } from "./api";
import { fromV3, type V3Asset, type V3Page } from "./assetV3";

export interface AssetApi {
  list(): Promise<Asset[]>;
  create(a: AssetCreate): Promise<Asset>;
  /** Makes an asset of a file `file_asset` took (its `uri`, and `ext` for v2). */
  createUploaded(a: AssetCreate): Promise<Asset>;
  update(id: string, p: AssetPatch): Promise<Asset>;
  remove(id: string): Promise<unknown>;
  /** The listed assets get play_order 0, 1, 2, … in this order. */
  order(ids: string[]): Promise<unknown>;
}

const at = (base: string, id: string) => `${base}/${encodeURIComponent(id)}`;

const v2: AssetApi = {
  list: () => call<Asset[]>("GET", "/api/v2/assets"),
  create: (a) => call<Asset>("POST", "/api/v2/assets", a),
  createUploaded: (a) => call<Asset>("POST", "/api/v2/assets", a),
  update: (id, p) => call<Asset>("PATCH", at("/api/v2/assets", id), p),
  remove: (id) => call<null>("DELETE", at("/api/v2/assets", id)),
  order: (ids) => call<unknown>("POST", "/api/v2/assets/order", new URLSearchParams({ ids: ids.join(",") })),
};

/** The largest page v3 serves (`page_limit` in src/api/v3/mod.rs): few requests for a long list. */
const PAGE = 200;

const v3: AssetApi = {
  async list() {
    const all: Asset[] = [];
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams({ limit: String(PAGE) });
      if (cursor) q.set("cursor", cursor);
      const page: V3Page = await call<V3Page>("GET", `/api/v3/assets?${q}`);
      for (const a of page.items) all.push(fromV3(a));
      cursor = page.next_cursor;
    } while (cursor);
    return all;
  },
  create: (a) => call<V3Asset>("POST", "/api/v3/assets", a).then(fromV3),
  // The same pipeline as v2's on the server: the `uri` and `ext` file_asset answered.
  createUploaded: (a) => call<V3Asset>("POST", "/api/v3/assets", a).then(fromV3),
  update: (id, p) => call<V3Asset>("PATCH", at("/api/v3/assets", id), p).then(fromV3),
  remove: (id) => call<null>("DELETE", at("/api/v3/assets", id)),
  order: (ids) => call<null>("POST", "/api/v3/assets/order", { ids }),
};

/** The asset calls of the server's mode (known once `main.tsx` asked `/healthz`). */
export function assetApi(): AssetApi {
  return isCloud() ? v3 : v2;
}
