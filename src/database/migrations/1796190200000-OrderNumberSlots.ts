import { MigrationInterface, QueryRunner } from "typeorm";

export class OrderNumberSlots1796190200000 implements MigrationInterface {
    name = 'OrderNumberSlots1796190200000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE \`partner_order_number_slots\` (\`slot\` int NOT NULL, \`holder\` varchar(32) NOT NULL, \`lease_until\` datetime(3) NOT NULL, PRIMARY KEY (\`slot\`)) ENGINE=InnoDB`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`DROP TABLE \`partner_order_number_slots\``);
    }

}
