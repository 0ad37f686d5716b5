# The webhook image the chart (deploy/chart/kafka-guard) and deploy/kafka-guard.yaml run:
#   docker build -t <registry>/kafka-guard:0.1.0 .
# The runtime stage installs the npm package exactly as test/e2e/install.e2e.test.ts
# does (npm pack, then a global install without dev dependencies), which is how
# its contents are tested; CI has no container engine to build the image itself.
# Test-only modules and compiled tests are kept out of that package by tsconfig.json's
# exclude and package.json's `files` (test/package-contents.test.ts).

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && mkdir /out && npm pack --pack-destination /out

FROM node:20-bookworm-slim
COPY --from=build /out/ /tmp/package/
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/package/kafka-guard-*.tgz \
 && rm -rf /tmp/package /root/.npm
# The Deployment runs it as 65532 with a read-only root file system; nothing is written.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["node", "/usr/local/lib/node_modules/kafka-guard/dist/webhook/main.js"]
