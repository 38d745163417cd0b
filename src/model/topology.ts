/**
 * The topology as written, after the schema accepted it: optional fields stay optional. The types
 * are generated from schemas/topology.schema.json (scripts/generate.mjs, on every build); the
 * meaning of each field is in its description there (docs/topology.md). Only the names the code
 * uses are given here.
 */
import type { Pool, Route, Site, Topology } from '../generated/topology.js';

export type { Topology };
export type ServerInput = Topology['servers'][string];
export type PoolInput = Pool;
export type RouteInput = Route;
export type SiteInput = Site;
/** A duration as written: "500ms", "10s", "5m", "1h", "1d", or a bare integer of seconds. */
export type DurationInput = string | number;
