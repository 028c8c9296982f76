import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Card, CardCreateResult, CardStore } from '../core/cards.ts';
import { keys } from '../keys.ts';

/**
 * Personal cards in the check-ins table (src/keys.ts): `card#<code>` → phone and `cardphone#<phone hash>` → code,
 * written together so a code has one holder and a phone one live card. Both carry `expiresAt`, the table's TTL.
 * The phone is its keyed hash and its sealed number, never the number.
 */
export class DynamoCards implements CardStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(code: string): Promise<Card | undefined> {
    return this.read(keys.card(code));
  }

  async ofPhone(phoneHash: string): Promise<Card | undefined> {
    return this.read(keys.cardOfPhone(phoneHash));
  }

  async create(card: Card, now: Date): Promise<CardCreateResult> {
    const item = {
      code: card.code,
      phoneHash: card.phoneHash,
      sealedPhone: card.sealedPhone,
      issuedAt: card.issuedAt,
      expiresAt: card.expiresAt,
    };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.card(card.code), ...item },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              // A phone's expired card (TTL deletes lazily) may be replaced; a live one may not.
              Put: {
                TableName: this.table,
                Item: { ...keys.cardOfPhone(card.phoneHash), ...item },
                ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
                ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
              },
            },
          ],
        }),
      );
      return 'created';
    } catch (err) {
      if (!(err instanceof TransactionCanceledException)) throw err;
      const [code, phone] = (err.CancellationReasons ?? []).map((r) => r.Code);
      if (code === 'ConditionalCheckFailed') return 'code-taken';
      // Another request for the same phone stored its card first, or is storing it now (a double tap on
      // "print"): the caller reads the phone's card again.
      if (phone === 'ConditionalCheckFailed' || phone === 'TransactionConflict') return 'phone-has-card';
      throw err;
    }
  }

  private async read(key: { pk: string; sk: string }): Promise<Card | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      code: Item.code,
      phoneHash: Item.phoneHash,
      sealedPhone: Item.sealedPhone,
      issuedAt: Item.issuedAt,
      expiresAt: Item.expiresAt,
    };
  }
}
