import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A membership level a gift pack can grant; `rank` orders them so a grant only ever moves a user up. */
@Entity('partner_levels')
export class PartnerLevel {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  /** `rank` is a reserved word on MySQL 8, so the column has another name. */
  @Column({ type: 'int', name: 'level_rank' })
  rank: number;
}
