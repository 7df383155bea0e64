import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The docs' `Group` entity, in a table of the test's own. */
@Entity(process.env.GROUP_TABLE ?? 'consumer_group')
export class Group {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column()
  groupName!: string;

  @Column()
  displayName!: string;
}

export class CreateGroupDto {
  name!: string;
}
