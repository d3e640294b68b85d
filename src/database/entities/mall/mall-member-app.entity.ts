import { Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A merchant app serving a mall member (SPEC §3): an app prices, orders and spends for only the members bound to it.
 * The primary key is the lookup of every `/order/pre` and `/order/create`; the uid index lists a member's apps.
 */
@Entity('mall_member_apps')
@Index('ix_mall_member_app_uid', ['uid'])
export class MallMemberApp {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  appId: string;

  @PrimaryColumn({ type: 'int' })
  uid: number;
}
