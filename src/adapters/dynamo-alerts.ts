import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Alert, AlertDeliveries, AlertStore } from '../core/alerts.ts';
import type { Page } from '../core/model.ts';
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
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async claim(alertId: string, phoneHash: string): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.alertDelivery(alertId, phoneHash), entity: 'alert-delivery' },
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

  async countSent(alertId: string, sent: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.alertItem(alertId),
        UpdateExpression: 'ADD sent :n',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':n': sent },
      }),
    );
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.alertItem(alertId),
          UpdateExpression: 'SET #status = :sent',
          ConditionExpression: '#status = :sending AND sent >= recipients',
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

function toAlert(item: Record<string, unknown>): Alert {
  const { pk: _pk, sk: _sk, entity: _e, gsi1pk: _g1, gsi1sk: _g2, ...alert } = item;
  return alert as unknown as Alert;
}
