import { ApiProperty } from '@nestjs/swagger';

export class GiftPackItemDto {
  @ApiProperty({ description: '礼包 id / gift pack id', example: '55fca782f55f406d94e2cecb23d0140b' })
  gift_pos_id: string;

  @ApiProperty({ description: '礼包标题 / title', example: '拉卡拉大POS 1台装礼包 升V5' })
  gift_title: string;

  @ApiProperty({ description: '价格（元）/ price, yuan', example: 300 })
  price: number;

  @ApiProperty({ description: '购买后升级到的等级（无则为空）/ level granted, "" if none', example: 'V5' })
  level_id: string;

  @ApiProperty({ description: '赠送积分 / score granted', example: 0 })
  score: number;

  @ApiProperty({ description: '库存，-1 为不限 / units left, -1 = unlimited', example: -1 })
  stock: number;
}

export class GiftListResultDto {
  @ApiProperty({ description: '在售礼包 / gift packs on sale', type: () => [GiftPackItemDto] })
  list: GiftPackItemDto[];
}
