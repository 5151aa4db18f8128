import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { MUTATION_ROLES, Roles } from '../access/roles.js';
import { FeedbackInput, PredictInput } from './dto/predict.input.js';
import { Feedback, Prediction, ServingStats } from './models/prediction.model.js';
import { ServingService } from './serving.service.js';

@Resolver()
export class ServingResolver {
  constructor(private readonly serving: ServingService) {}

  @Roles(...MUTATION_ROLES.predict)
  @Mutation(() => [Prediction], { description: 'Predicts with the model in production, canaries taking their share; every prediction is logged.' })
  async predict(@Args('input') input: PredictInput): Promise<Prediction[]> {
    return await this.serving.predict(input.model, input.inputs, input.key, {}, input.explain ?? false);
  }

  @Roles(...MUTATION_ROLES.recordFeedback)
  @Mutation(() => Feedback, { description: 'Attaches the true outcome to a prediction, whenever it becomes known.' })
  async recordFeedback(@Args('input') input: FeedbackInput): Promise<Feedback> {
    return await this.serving.recordFeedback(input.predictionId, input.label);
  }

  @Query(() => ServingStats)
  servingStats(): ServingStats {
    return this.serving.stats();
  }
}
