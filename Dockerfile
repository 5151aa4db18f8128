# The api and worker image that docker-compose.yml runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json && node scripts/console.mjs --force && npm prune --omit=dev

FROM node:20-bookworm-slim
# python3 with scikit-learn runs the example `command` trainer.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 python3-sklearn \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/db/migrations ./db/migrations
# The ONNX schema the model export writes with.
COPY --from=build /app/ml/onnx/onnx-ml.proto ./ml/onnx/onnx-ml.proto
COPY --from=build /app/examples ./examples
RUN mkdir -p /var/lib/custody/artifacts && chown -R node:node /var/lib/custody
USER node
CMD ["node", "--enable-source-maps", "dist/main.js"]
