import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateTimeColumn } from '../../columns';

/**
 * A claimed request key (nonce, Idempotency-Key or partner-pay content hash) and, once finished,
 * the outcome to replay. Kept in the database so every instance agrees.
 */
@Entity('idempotency_records')
export class IdempotencyRecord {
  @PrimaryColumn({ type: 'varchar', length: 191 })
  key: string;

  /** sha256 of the request's canonical string: the same key with other parameters is refused. */
  @Column({ type: 'varchar', length: 64 })
  requestHash: string;

  /** `committed`: the request's business transaction committed but its response is not stored (yet). */
  @Column({ type: 'varchar', length: 16 })
  state: 'processing' | 'committed' | 'done';

  @Column({ type: 'text', nullable: true })
  outcome: string | null;

  @DateTimeColumn()
  createdAt: Date;

  @DateTimeColumn()
  expiresAt: Date;
}
