import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { KEY, TABLES, type TableDef } from '../src/keys.ts';

export type TableId = TableDef['id'];

/**
 * The province's three DynamoDB tables, built from src/keys.ts TABLES so the deployed keys and indexes are
 * exactly the ones the adapters query.
 *
 * Encryption: the AWS managed key (aws/dynamodb). Every read and write is KMS-encrypted and audited in
 * CloudTrail, and the functions' policies stay exactly their `bindings` (a customer-managed key would add
 * kms:Decrypt/GenerateDataKey* grants to every function, a key policy to maintain, and a way to lose the
 * data by disabling the key). Switch to TableEncryption.CUSTOMER_MANAGED if the province requires key
 * revocation (crypto-shredding) or cross-account access.
 */
export class Tables extends Construct {
  readonly byId: Readonly<Record<TableId, Table>>;
  /** The definition each table was built from (its index names are needed for least-privilege ARNs). */
  readonly defs: Readonly<Record<TableId, TableDef>>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const byId: Partial<Record<TableId, Table>> = {};
    const defs: Partial<Record<TableId, TableDef>> = {};
    for (const def of TABLES) {
      const table = new Table(this, tableConstructId(def.id), {
        partitionKey: { name: KEY.pk, type: AttributeType.STRING },
        sortKey: { name: KEY.sk, type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: def.ttlAttribute,
        ...(def.stream === 'NEW_IMAGE' ? { stream: StreamViewType.NEW_IMAGE } : {}),
        deletionProtection: true,
        // Province check-in data: never deleted by a stack update or `cdk destroy`.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const index of def.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.pk, type: AttributeType.STRING },
          sortKey: { name: index.sk, type: AttributeType.STRING },
          projectionType: index.projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
        });
      }
      byId[def.id] = table;
      defs[def.id] = def;
    }
    this.byId = byId as Record<TableId, Table>;
    this.defs = defs as Record<TableId, TableDef>;
  }

  table(id: TableId): Table {
    const table = this.byId[id];
    if (!table) throw new Error(`src/keys.ts TABLES has no table "${id}"`);
    return table;
  }

  /** ARNs of the table's own indexes, one by one (no `index/*` wildcard). */
  indexArns(id: TableId): string[] {
    const table = this.table(id);
    return (this.defs[id]?.indexes ?? []).map((index) => `${table.tableArn}/index/${index.name}`);
  }
}

const tableConstructId = (id: TableId) => `${id[0]?.toUpperCase()}${id.slice(1)}Table`;
