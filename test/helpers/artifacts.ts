export { loadArtifact, type Artifact } from '../../src/primitives/artifacts.js'
