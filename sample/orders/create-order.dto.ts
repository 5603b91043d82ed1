import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsEmail, IsInt, IsString, Min, MinLength, ValidateNested } from 'class-validator';

export class OrderLineDto {
  @IsString()
  @MinLength(1)
  sku!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

export class CreateOrderDto {
  @IsEmail()
  email!: string;

  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => OrderLineDto)
  lines!: OrderLineDto[];
}
