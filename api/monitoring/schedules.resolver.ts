import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CurrentCaller, type Caller } from '../access/principal.js';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import { CreateScheduleInput, ScheduleIdInput, SchedulesInput } from './dto/monitoring.input.js';
import { Schedule } from './models/schedule.model.js';
import { SchedulesService } from './schedules.service.js';

@Resolver(() => Schedule)
export class SchedulesResolver {
  constructor(private readonly service: SchedulesService) {}

  @Query(() => [Schedule], { description: 'Monitoring and retraining schedules, as Temporal describes them now.' })
  async schedules(@Args('input', { nullable: true }) input?: SchedulesInput): Promise<Schedule[]> {
    return await this.service.list(input ?? {});
  }

  @Roles(...MUTATION_ROLES.createSchedule)
  @Mutation(() => Schedule, { description: 'Creates a Temporal Schedule for a model: each tick checks drift (MONITOR) or retrains (RETRAIN).' })
  async createSchedule(@Args('input') input: CreateScheduleInput, @CurrentCaller() caller: Caller): Promise<Schedule> {
    return await this.service.create(input, caller);
  }

  @Roles(...MUTATION_ROLES.pauseSchedule)
  @Mutation(() => Schedule)
  async pauseSchedule(@Args('input') input: ScheduleIdInput, @CurrentCaller() caller: Caller): Promise<Schedule> {
    return await this.service.pause(input, caller);
  }

  @Roles(...MUTATION_ROLES.resumeSchedule)
  @Mutation(() => Schedule)
  async resumeSchedule(@Args('input') input: ScheduleIdInput, @CurrentCaller() caller: Caller): Promise<Schedule> {
    return await this.service.resume(input, caller);
  }

  @Roles(...MUTATION_ROLES.triggerSchedule)
  @Mutation(() => Schedule, { description: 'Takes one tick now (skipped if the previous tick still runs).' })
  async triggerSchedule(@Args('input') input: ScheduleIdInput, @CurrentCaller() caller: Caller): Promise<Schedule> {
    return await this.service.trigger(input, caller);
  }

  @Roles(...MUTATION_ROLES.deleteSchedule)
  @Mutation(() => Schedule, { description: 'Deletes the schedule; returns it as it was.' })
  async deleteSchedule(@Args('input') input: ScheduleIdInput, @CurrentCaller() caller: Caller): Promise<Schedule> {
    return await this.service.delete(input, caller);
  }
}
