import { Column, Entity, PrimaryColumn } from 'typeorm';
import { DateTimeColumn } from '../../columns';

/** A merchant integration of the mall open API; its secret signs requests and notifications. */
@Entity('mall_apps')
export class MallApp {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  appId: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'varchar', length: 128 })
  secret: string;

  @Column({ type: 'varchar', length: 512, default: '' })
  notifyUrl: string;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @DateTimeColumn()
  createdAt: Date;
}
