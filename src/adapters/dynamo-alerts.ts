import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Alert, AlertDeliveries, AlertStore, AlertSwitch } from '../core/alerts.ts';
import type { Page } from '../core/model.ts';
import type { Clock } from '../core/time.ts';
import { keys } from '../keys.ts';
import { listNewestFirst } from './dynamo-tracing.ts';

const ENTITY_ALERT = 'alert';

/**
 * Exposure alerts in the tracing table, one `alert#<id>` item each (src/keys.ts), listed newest first on the
 * index's `alerts` partition. Status changes are conditional updates: only a draft is approved, only a draft or a
 * sending alert is cancelled, so two people acting at once leave one change.
 */
export class DynamoAlerts implements AlertStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async createAlert(alert: Alert): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...keys.alertItem(alert.id),
          ...keys.alertListed(alert.createdAt, alert.id),
          entity: ENTITY_ALERT,
          ...alert,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getAlert(alertId: string): Promise<Alert | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.alertItem(alertId) }));
    return out.Item ? toAlert(out.Item) : undefined;
  }

  listAlerts(page: { limit: number; nextToken?: string }): Promise<Page<Alert>> {
    return listNewestFirst(
      this.db,
      this.table,
      { partition: keys.alertsListed, itemPrefix: 'alert#', sk: 'alert' },
      page,
      toAlert,
    );
  }

  approve(alertId: string, by: string, at: string): Promise<Alert | undefined> {
    return this.move(alertId, {
      UpdateExpression: 'SET #status = :to, approvedBy = :by, approvedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND #status = :draft',
      ExpressionAttributeValues: { ':to': 'sending', ':draft': 'draft', ':by': by, ':at': at },
    });
  }

  cancel(alertId: string, by: string, at: string): Promise<Alert | undefined> {
    return this.move(alertId, {
      UpdateExpression: 'SET #status = :to, cancelledBy = :by, cancelledAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND #status IN (:draft, :sending)',
      ExpressionAttributeValues: {
        ':to': 'cancelled',
        ':draft': 'draft',
        ':sending': 'sending',
        ':by': by,
        ':at': at,
      },
    });
  }

  async markQueued(alertId: string, at: string, recipients: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.alertItem(alertId),
          UpdateExpression: 'SET queuedAt = :at, recipients = :n',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':at': at, ':n': recipients, ':sending': 'sending' },
        }),
      );
    } catch (err) {
      // Cancelled meanwhile: it stays as it is.
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  private async move(
    alertId: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, string>;
    },
  ): Promise<Alert | undefined> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.alertItem(alertId),
          ExpressionAttributeNames: { '#status': 'status' },
          ReturnValues: 'ALL_NEW',
          ...update,
        }),
      );
      return out.Attributes ? toAlert(out.Attributes) : undefined;
    } catch (err) {
      // Moved meanwhile by someone else, or never there: answer what is stored.
      if ((err as Error).name === 'ConditionalCheckFailedException') return this.getAlert(alertId);
      throw err;
    }
  }
}

/**
 * Who has been sent an alert: one `alert#<id>#to#<phoneHash>` item per phone in the tracing table, put on the
 * condition it is not there (only the delivery that puts it sends), deleted again when the send failed. The
 * alert's `sent` count is added to atomically, and the alert marked `sent` on the condition it is still sending
 * and every recipient is counted.
 */
export class DynamoAlertDeliveries implements AlertDeliveries {
  /**
   * `ttl.days`: how long a marker is kept (the table's TTL removes it after): the check-ins' retention, past which
   * the alert's recipients can no longer be found, so no enqueue and no redelivery of it can come.
   */
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly ttl: { clock: Clock; days: number },
  ) {}

  async claim(alertId: string, phoneHash: string): Promise<boolean> {
    const expiresAt = Math.floor(this.ttl.clock.now().getTime() / 1000) + this.ttl.days * 86_400;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.alertDelivery(alertId, phoneHash), entity: 'alert-delivery', expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  async release(alertId: string, phoneHash: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: keys.alertDelivery(alertId, phoneHash) }),
    );
  }

  async countSent(alertId: string, sent: number, failed = 0): Promise<void> {
    // `settled` (sent + failed, kept beside them: a condition cannot add) is what the alert is done at.
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.alertItem(alertId),
        UpdateExpression: failed > 0 ? 'ADD sent :n, failed :f, settled :s' : 'ADD sent :n, settled :s',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':n': sent,
          ':s': sent + failed,
          ...(failed > 0 ? { ':f': failed } : {}),
        },
      }),
    );
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.alertItem(alertId),
          UpdateExpression: 'SET #status = :sent',
          ConditionExpression: '#status = :sending AND settled >= recipients',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':sent': 'sent', ':sending': 'sending' },
        }),
      );
    } catch (err) {
      // Not every recipient yet, or cancelled meanwhile: the status stays.
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }
}

/**
 * The province's kill switch: one `alert#switch` item, `paused` true or false, with who set it and when. No item
 * is not paused.
 */
export class DynamoAlertSwitch implements AlertSwitch {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async paused(): Promise<boolean> {
    // Strongly consistent: a pause is seen by the very next send.
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.alertSwitch, ConsistentRead: true }),
    );
    return out.Item?.paused === true;
  }

  async setPaused(paused: boolean, by: string, at: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.alertSwitch,
        UpdateExpression: 'SET paused = :p, setBy = :by, setAt = :at, entity = :e',
        ExpressionAttributeValues: { ':p': paused, ':by': by, ':at': at, ':e': 'alert-switch' },
      }),
    );
  }
}

function toAlert(item: Record<string, unknown>): Alert {
  const { pk: _pk, sk: _sk, entity: _e, gsi1pk: _g1, gsi1sk: _g2, settled: _s, ...alert } = item;
  return alert as unknown as Alert;
}
