import { MigrationInterface, QueryRunner } from "typeorm";

/** An order line's title is `<goods title> <option title>`, 128 + 1 + 128 characters at most. */
export class LineTitleFitsGoodsAndOption1796190600000 implements MigrationInterface {
    name = 'LineTitleFitsGoodsAndOption1796190600000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`mall_order_goods\` MODIFY \`title\` varchar(257) NOT NULL`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE \`mall_order_goods\` MODIFY \`title\` varchar(255) NOT NULL`);
    }

}
