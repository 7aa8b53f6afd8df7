"""BullMQ queues of Node.js code (code_bullmq): names through enums, constants and one base-class constructor."""

from __future__ import annotations

import os
from typing import Any

from engine.importers import import_paths, load_artifacts
from engine.loader import load_documents
from tests.helpers import write
from tests.importer_helpers import fact


def _library(root: str) -> None:
    write(root, "kit/src/names.ts", """
        export enum Lanes {
          INTAKE = 'parcel-intake',
          LABELS = 'label-printing',
        }
        export enum Prefixes {
          INTAKE = 'pi_',
        }
        """)
    write(root, "kit/src/broker/index.ts", """
        export * from './broker';
        """)
    write(root, "kit/src/broker/broker.ts", """
        import { Queue, Worker } from 'bullmq';
        export { Queue, Worker };
        export class Broker {
          open(lane: string) { return new Queue(lane, { connection: {} }); }
          listen(lane: string, fn: any) { return new Worker(lane, fn, { connection: {} }); }
        }
        """)
    write(root, "kit/src/lanes/lane-base.ts", """
        import { Broker, Queue } from '../broker';
        export class LaneBase {
          public queue: Queue;
          constructor(public readonly lane: string, private broker: Broker) {
            this.queue = broker.open(this.lane);
          }
        }
        """)
    write(root, "kit/src/lanes/intake-lane.ts", """
        import { Lanes } from '../names';
        import { LaneBase } from './lane-base';
        // super('not-this-one') in a comment is not read
        export class IntakeLane extends LaneBase {
          constructor(broker: Broker) {
            super(Lanes.INTAKE, broker);
          }
        }
        """)
    write(root, "kit/src/lanes/label-lane.ts", """
        import { Lanes } from '../names';
        import { LaneBase } from './lane-base';
        export class LabelLane extends LaneBase {
          constructor(broker: Broker) {
            super(Lanes.LABELS, broker);
          }
        }
        """)
    write(root, "kit/src/hands/hand-base.ts", """
        import { Broker, Worker } from '../broker';
        export class HandBase {
          constructor(public readonly lane: string, private broker: Broker) {}
          start(fn: any) { this.broker.listen(this.lane, fn); }
        }
        """)
    write(root, "kit/src/hands/intake-hand.ts", """
        import { Lanes } from '../names';
        import { HandBase } from './hand-base';
        export class IntakeHand extends HandBase {
          constructor(broker: Broker) {
            super(Lanes.INTAKE, broker);
          }
        }
        """)
    write(root, "kit/src/hands/runtime-hand.ts", """
        import { HandBase } from './hand-base';
        export class RuntimeHand extends HandBase {
          constructor(broker: Broker, lane: string) {
            super(lane, broker);
          }
        }
        """)


def test_queue_named_through_an_enum_and_a_base_class_for_the_services_whose_code_names_it(tmp_path: Any) -> None:
    root = str(tmp_path)
    _library(root)
    write(root, "desk/src/parcels.controller.ts", """
        import { IntakeLane } from '@acme/kit';
        export class ParcelsController {
          constructor(private lane: IntakeLane) {}
        }
        """)
    write(root, "sorter/src/sorter.ts", """
        import { IntakeHand, RuntimeHand } from '@acme/kit';
        import { Worker } from 'bullmq';
        const AUDIT = 'audit-trail';
        const LOG_LABEL = 'LabelLane';
        export class Sorter {
          constructor(private hand: IntakeHand, private other: RuntimeHand) {}
          audit() { return new Worker(AUDIT, async () => undefined, {}); }
        }
        """)
    write(root, "desk/src/labels/e2e/print.e2e.ts", """
        import { LabelLane } from '@acme/kit';
        let lane: LabelLane;
        """)
    kit = os.path.join(root, "kit/src")
    design = load_documents([*import_paths("source", [os.path.join(root, "desk/src"), kit], service="desk"),
                             *import_paths("source", [os.path.join(root, "sorter/src"), kit], service="sorter")])
    intake = fact(design, "channel:parcel-intake").data
    assert intake["kind"] == "queue"
    assert intake["producers"] == ["desk"]
    assert intake["consumers"] == [{"service": "sorter"}]
    assert fact(design, "interaction:desk->parcel-intake").data["protocol"] == "redis"
    assert fact(design, "channel:audit-trail").data["consumers"] == [{"service": "sorter"}]
    keys = set(design.by_key())
    # no service's running code names LabelLane (a log label is a string, an end-to-end test is not the running
    # code); a name passed on at run time, or in a comment, names no queue
    assert "channel:label-printing" not in keys
    assert not [k for k in keys if k.startswith("channel:") and k not in {"channel:parcel-intake",
                                                                          "channel:audit-trail"}]



def test_queue_named_through_type_arguments_and_a_sharded_template_keeps_its_first_shards_name(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "relay/src/names.ts", """
        export enum Lanes {
          UPLOADS = 'upload-lane',
          HOOKS = 'hook-lane',
          RETRIES = 'retry-lane',
        }
        """)
    write(root, "relay/src/lanes.ts", """
        import { Queue } from 'bullmq';
        import { Lanes, Jobs } from './names';
        export class UploadLane {
          static open(key?: string, shards = 1): Queue<Jobs[Lanes.UPLOADS]> | null {
            const shard = key ? key.length % shards : 0;
            const name = `${Lanes.UPLOADS}${shard > 0 ? `-${shard}` : ""}`;
            return new Queue<Jobs[Lanes.UPLOADS]>(name, { connection: {} });
          }
        }
        export class HookLane {
          static open(): Queue<Jobs[Lanes.HOOKS]> {
            return new Queue<Jobs[Lanes.HOOKS]>(
              Lanes.HOOKS,
              { connection: {} },
            );
          }
        }
        export class RetryLane {
          static open(region: string) {
            // a part that always adds something names a queue the code computes: not read
            const name = `${Lanes.RETRIES}-${region}`;
            return new Queue(name, { connection: {} });
          }
        }
        """)
    design = load_documents(import_paths("source", [os.path.join(root, "relay/src")], service="relay"))
    assert fact(design, "channel:upload-lane").data["producers"] == ["relay"]
    assert fact(design, "channel:hook-lane").data["producers"] == ["relay"]
    assert not [k for k in design.by_key() if k.startswith("channel:retry-lane")]


def test_a_queue_made_only_when_a_variable_is_set_is_made_only_where_the_deployment_sets_it(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          desk: {image: "acme/desk:1.0", environment: {BILLING_KEY: sk_live_x, REDIS_HOST: redis}}
          sorter: {image: "acme/sorter:1.0", environment: {REDIS_HOST: redis}}
          redis: {image: "redis:7.2.4"}
        """)
    for service in ("desk", "sorter"):
        write(root, f"{service}/src/queues.ts", """
            import { Queue } from 'bullmq';
            import { env } from './env';
            export class BillingQueue {
              static getInstance(): Queue | null {
                if (!env.BILLING_KEY) {
                  return null;
                }
                return new Queue('billing-usage', { connection: {} });
              }
            }
            export class ParcelQueue {
              static getInstance(): Queue {
                return new Queue('parcels', { connection: {} });
              }
            }
            """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           *(f"source={os.path.join(root, s)}" for s in ("desk", "sorter"))])
    design = load_documents(docs)
    assert fact(design, "channel:billing-usage").data["producers"] == ["desk"]
    assert fact(design, "channel:parcels").data["producers"] == ["desk", "sorter"]


def test_a_queue_made_only_when_a_variable_is_true_follows_the_deployment_or_the_schemas_default(tmp_path: Any) -> None:
    root = str(tmp_path)
    write(root, "compose.yaml", """
        services:
          desk: {image: "acme/desk:1.0", environment: {AUDIT_EXPORT_ENABLED: "true", REDIS_HOST: redis}}
          sorter: {image: "acme/sorter:1.0", environment: {REDIS_HOST: redis}}
          redis: {image: "redis:7.2.4"}
        """)
    for service in ("desk", "sorter"):
        write(root, f"{service}/src/env.ts", """
            import { z } from 'zod';
            export const env = z.object({
              AUDIT_EXPORT_ENABLED: z
                .enum(["true", "false"])
                .default("false"),
              TRACE_EXPORT_ENABLED: z.enum(["true", "false"]).default("true"),
              REDIS_HOST: z.string(),
            }).parse(process.env);
            """)
        write(root, f"{service}/src/queues.ts", """
            import { Queue } from 'bullmq';
            import { env } from './env';
            export class AuditQueue {
              static getInstance(): Queue | null {
                if (env.AUDIT_EXPORT_ENABLED !== "true") {
                  return null;
                }
                return new Queue('audit-export', { connection: {} });
              }
            }
            export class TraceQueue {
              static getInstance(): Queue | null {
                if (env.TRACE_EXPORT_ENABLED !== 'true') return null;
                return new Queue('trace-export', { connection: {} });
              }
            }
            """)
    docs = load_artifacts([f"compose={os.path.join(root, 'compose.yaml')}",
                           *(f"source={os.path.join(root, s)}" for s in ("desk", "sorter"))])
    design = load_documents(docs)
    # desk's deployment switches the audit export on; sorter's leaves it to the schema's default, "false"
    assert fact(design, "channel:audit-export").data["producers"] == ["desk"]
    # the trace export defaults to "true": both make it
    assert fact(design, "channel:trace-export").data["producers"] == ["desk", "sorter"]
