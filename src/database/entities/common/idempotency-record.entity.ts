import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { DateTimeColumn } from '../../columns';

/**
 * A request key (nonce, Idempotency-Key or partner-pay content hash) with the outcome to replay. Written in the
 * business transaction of the request it names, so it exists exactly when the request's effect does; kept in the
 * database so every instance agrees.
 */
@Entity('idempotency_records')
/** The purge finds expired records by it, without reading the table. */
@Index('ix_idempotency_expires', ['expiresAt'])
export class IdempotencyRecord {
  @PrimaryColumn({ type: 'varchar', length: 191 })
  key: string;

  /** sha256 of the request's route and canonical string: the same key with another request is refused. */
  @Column({ type: 'varchar', length: 64 })
  requestHash: string;

  /** The stored answer (JSON of `StoredOutcome`). */
  @Column({ type: 'text' })
  outcome: string;

  @DateTimeColumn()
  createdAt: Date;

  @DateTimeColumn()
  expiresAt: Date;
}
