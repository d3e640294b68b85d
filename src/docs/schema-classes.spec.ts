import { Body, Controller, Post } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { duplicateSchemaNames, schemaClassesOf } from './schema-classes';

// Two modules' classes with one name, as `AddressDto` once was in the mall and in the partner admin.
const mall = (() => {
  class AddressDto {
    @ApiProperty() mobile: string;
  }
  class CreateDto {
    @ApiProperty({ type: AddressDto }) address: AddressDto;
  }
  return { AddressDto, CreateDto };
})();
const partner = (() => {
  class AddressDto {
    @ApiProperty() detail: string;
  }
  class ListDto {
    @ApiProperty({ type: () => [AddressDto] }) list: AddressDto[];
  }
  return { AddressDto, ListDto };
})();

@Controller('mall')
class MallController {
  @Post()
  create(@Body() _dto: InstanceType<typeof mall.CreateDto>): void {}
}
Reflect.defineMetadata('design:paramtypes', [mall.CreateDto], MallController.prototype, 'create');

@Controller('partner')
class PartnerController {
  @Post()
  @ApiResponse({ status: 200, type: partner.ListDto })
  list(): void {}
}

describe('schema names of the OpenAPI document', () => {
  it('finds classes through bodies, responses, nested and lazy property types', () => {
    const names = [...schemaClassesOf([MallController, PartnerController]).keys()].sort();
    expect(names).toEqual(['AddressDto', 'CreateDto', 'ListDto']);
  });

  it('reports two classes that share a name', () => {
    expect(duplicateSchemaNames([MallController, PartnerController])).toEqual(['AddressDto (2 classes)']);
    expect(duplicateSchemaNames([MallController])).toEqual([]);
  });
});
