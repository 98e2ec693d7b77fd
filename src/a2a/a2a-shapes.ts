// The A2A objects the wrapper looks at, in both shapes the official SDK has had: v0.3 (`kind`
// discriminators, states like `input-required`) and v1.0 (protobuf-like objects, numeric or
// `TASK_STATE_*` states, stream events wrapped in `payload.$case`).

export type TaskStateName = 'submitted' | 'working' | 'input-required' | 'auth-required' | 'completed' | 'failed' | 'canceled' | 'rejected' | 'unknown';

/** What one answer (a send result or a stream event) is, as far as paying goes. */
export interface A2AItem {
  kind: 'task' | 'status-update' | 'message' | 'artifact-update' | 'other';
  taskId: string | undefined;
  contextId: string | undefined;
  state: TaskStateName | undefined;
  /** The status message's metadata (a task, a status update) or the message's own. */
  metadata: Record<string, unknown> | undefined;
}

// v1.0 TaskState enum values, in order.
const V1_STATES: ReadonlyArray<TaskStateName> = ['unknown', 'submitted', 'working', 'completed', 'failed', 'canceled', 'input-required', 'rejected', 'auth-required'];
const NAMES = new Set<string>(V1_STATES);

function stateName(value: unknown): TaskStateName | undefined {
  if (typeof value === 'number') return V1_STATES[value] ?? 'unknown';
  if (typeof value !== 'string') return undefined;
  const name = value.toLowerCase().replace(/^task_state_/, '').replaceAll('_', '-').replace(/^cancelled$/, 'canceled');
  return NAMES.has(name) ? (name as TaskStateName) : 'unknown';
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 256 ? value : undefined;
}

/** The v0.3 `kind`, or the v1.0 stream `$case`, or the shape of a bare v1.0 result. */
function kindOf(item: Record<string, unknown>): A2AItem['kind'] {
  switch (item.kind) {
    case 'task':
    case 'status-update':
    case 'message':
    case 'artifact-update':
      return item.kind;
  }
  if ('status' in item && 'id' in item) return 'task';
  if ('status' in item && 'taskId' in item) return 'status-update';
  if ('artifact' in item) return 'artifact-update';
  if ('messageId' in item && 'role' in item) return 'message';
  return 'other';
}

/** Reads a send result or stream event (unwrapping v1.0's `{ payload: { $case, value } }`). */
export function readItem(raw: unknown): A2AItem {
  let item = record(raw);
  const payload = record(item?.payload);
  if (payload && typeof payload.$case === 'string') {
    const value = record(payload.value);
    const kinds: Record<string, A2AItem['kind']> = { task: 'task', message: 'message', statusUpdate: 'status-update', artifactUpdate: 'artifact-update' };
    item = value ? { ...value, kind: kinds[payload.$case] ?? 'other' } : undefined;
  }
  if (!item) return { kind: 'other', taskId: undefined, contextId: undefined, state: undefined, metadata: undefined };
  const kind = kindOf(item);
  const status = record(item.status);
  const statusMessage = record(status?.message);
  return {
    kind,
    taskId: text(kind === 'task' ? item.id : item.taskId),
    contextId: text(item.contextId),
    state: status ? stateName(status.state) : undefined,
    metadata: record(kind === 'message' ? item.metadata : statusMessage?.metadata),
  };
}
