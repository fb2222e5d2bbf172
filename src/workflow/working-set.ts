import type { CarePlan, CareTeam, EpisodeOfCare, Reference, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { TxContext } from '../fhir/context.js';
import { newId } from '../fhir/resource-id.js';
import { writeVersion } from '../fhir/write.js';
import { EXT, type Ref } from '../programmes/model.js';
import type { StoredVersion } from '../store/types.js';

/*
 * The FHIR resources one transition reads and changes, loaded once from the open transaction and written
 * once at the end (one new version per changed resource), so a transition that touches a Task twice still
 * writes it once and the Provenance can name every version it made.
 */

interface Entry {
  resource: Resource;
  previous?: StoredVersion;
  changed: boolean;
}

const key = (type: string, id: string) => `${type}/${id}`;

export class WorkingSet {
  private readonly entries = new Map<string, Entry>();
  readonly carePlan: CarePlan;

  constructor(
    readonly ctx: TxContext,
    carePlan: StoredVersion,
    readonly now: string,
    /** Whether the CarePlan gets a new version even if no effect changes it (every transition's token). */
    newCarePlanVersion = true,
  ) {
    this.carePlan = JSON.parse(carePlan.json!) as CarePlan;
    this.entries.set(key('CarePlan', carePlan.id), { resource: this.carePlan, previous: carePlan, changed: newCarePlanVersion });
  }

  get carePlanRef(): Ref {
    return { reference: `CarePlan/${this.carePlan.id}` };
  }
  get patientRef(): Ref {
    return { reference: this.carePlan.subject!.reference };
  }

  /** A stored resource by `Type/id`, loaded once; undefined when missing or deleted. */
  async load<T extends Resource>(reference: string | undefined): Promise<T | undefined> {
    const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference ?? '');
    if (!m) return undefined;
    const known = this.entries.get(key(m[1], m[2]));
    if (known) return known.resource as T;
    const stored = await this.ctx.tx.readCurrent(m[1], m[2]);
    if (!stored || stored.deleted) return undefined;
    const resource = JSON.parse(stored.json!) as T;
    this.entries.set(key(m[1], m[2]), { resource, previous: stored, changed: false });
    return resource;
  }

  /** Mark a loaded resource as changed: it gets a new version at flush. */
  touch(resource: Resource): void {
    this.entries.get(key(resource.resourceType, resource.id!))!.changed = true;
  }

  /** A new resource, given its id now so that others can refer to it in the same transition. */
  create<T extends Resource>(resource: T): T & { id: string } {
    const made = { ...resource, id: newId() } as T & { id: string };
    this.entries.set(key(made.resourceType, made.id), { resource: made, changed: true });
    return made;
  }

  async episode(): Promise<EpisodeOfCare | undefined> {
    const ref = this.carePlan.extension?.find((e) => e.url === EXT.episodeOfCare)?.valueReference?.reference;
    return this.load<EpisodeOfCare>(ref);
  }

  async careTeam(): Promise<CareTeam | undefined> {
    return this.load<CareTeam>(this.carePlan.careTeam?.[0]?.reference);
  }

  /** The Tasks and ServiceRequests the CarePlan's activities refer to. */
  async requests(): Promise<(Task | ServiceRequest)[]> {
    const out: (Task | ServiceRequest)[] = [];
    for (const a of this.carePlan.activity ?? []) {
      const r = await this.load<Task | ServiceRequest>(a.reference?.reference);
      if (r && (r.resourceType === 'Task' || r.resourceType === 'ServiceRequest')) out.push(r);
    }
    return out;
  }

  async tasks(): Promise<Task[]> {
    return (await this.requests()).filter((r): r is Task => r.resourceType === 'Task');
  }

  /** Write every changed resource (new ones first, so references resolve in order); the versions written. */
  async flush(): Promise<Reference[]> {
    const written: Reference[] = [];
    const ordered = [...this.entries.values()].filter((e) => e.changed).sort((a, b) => Number(!!a.previous) - Number(!!b.previous));
    for (const e of ordered) {
      const res = await writeVersion(this.ctx, e.resource, e.resource.id!, e.previous ? 'PUT' : 'POST', e.previous, { trusted: true });
      written.push({ reference: `${e.resource.resourceType}/${e.resource.id}/_history/${res.versionId}` });
      if (e.resource === this.carePlan) Object.assign(this.carePlan, { meta: res.body!.meta });
    }
    return written;
  }
}
