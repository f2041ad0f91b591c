/**
 * The app shell: the top bar (title, model name, presets, lessons, share link, theme) on one line,
 * the status line under it (status, backend and what last happened to the runtime, wrapping
 * there rather than squeezing the top bar), and the banner; blocks and settings, the model, and
 * the views in three columns. The views column: text; attention map beside the head grid; compare
 * mode right under them (it follows their layer and head pickers); the Training panel (its
 * timeline moves the map above it); the Experiments panel (trainings one after another, under the
 * single training it grows from); latency at the column's full
 * width (its charts need it); entropy; residual stream and next token; router (MoE models only);
 * tokens × parameter tokens (TokenFormer models only); layer dropping by similarity; the KV-cache
 * eviction simulator on the map of the selected layer and head; token pruning and merging (encoders).
 * "Open model…" (top bar, or a file dropped on the page) puts an opened ONNX model in the views:
 * its panel sits above the map, and the parts that need a playground model's spec give way to one
 * line each (PlaygroundOnly) until it is closed. */
import { Banner } from './Banner';
import { ComparePanel } from './compare/ComparePanel';
import { Editor } from './editor/Editor';
import { ErrorBoundary } from './ErrorBoundary';
import { LessonPanel } from './lessons/LessonPanel';
import { LessonPicker } from './lessons/LessonPicker';
import { Part, ViewPart } from './lessons/Part';
import { useClassroom } from './lessons/queryFlags';
import { PresetPicker } from './PresetPicker';
import { ShareBar } from './ShareBar';
import { StatusBar } from './StatusBar';
import { ThemeToggle } from './ThemeToggle';
import { useApp } from './useApp';
import { AttentionMap } from './views/AttentionMap';
import { DropView } from './views/DropView';
import { EvictionCost } from './views/EvictionCost';
import { PruneView } from './views/PruneView';
import { EntropyView } from './views/EntropyView';
import { HeadGrid } from './views/HeadGrid';
import { LatencyView } from './views/LatencyView';
import { NextTokenView } from './views/NextTokenView';
import { ResidualView } from './views/ResidualView';
import { ParamAttnMap } from './views/ParamAttnMap';
import { RouterMap } from './views/RouterMap';
import { TextInput } from './views/TextInput';
import { TrainPanel } from './train/TrainPanel';
import { ExperimentPanel } from './experiments/ExperimentPanel';
import { EvictionView } from './views/EvictionView';
import { ServingView } from './views/ServingView';
import { OpenModel } from './opened/OpenModel';
import { OpenedPanel } from './opened/OpenedPanel';
import { PlaygroundOnly } from './opened/PlaygroundOnly';

function ModelName() {
  const name = useApp((s) => s.spec.name);
  return <span className="model-name" data-testid="model-name">{name}</span>;
}

export function App() {
  useClassroom();
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <h1>Transformer Playground</h1>
          <ModelName />
          <Part name="presets">
            <PresetPicker />
          </Part>
          <LessonPicker />
          <OpenModel />
        </div>
        <div className="topbar-end">
          <ShareBar />
          <ThemeToggle />
        </div>
      </header>
      <div className="statusline" data-testid="statusline">
        <StatusBar />
      </div>
      <Banner />
      <LessonPanel />
      <ErrorBoundary what="editor">
        <Editor>
          <section className="views" aria-label="Views">
            <ViewPart name="text" what="text panel">
              <TextInput />
            </ViewPart>
            <ErrorBoundary what="opened model panel">
              <OpenedPanel />
            </ErrorBoundary>
            <div className="view-grid map-row">
              <ViewPart name="attention-map" what="attention map">
                <AttentionMap />
              </ViewPart>
              <div className="side-views">
                <ViewPart name="head-grid" what="head grid">
                  <HeadGrid />
                </ViewPart>
              </div>
              <div className="compare-row">
                <ErrorBoundary what="compare panel">
                  <ComparePanel />
                </ErrorBoundary>
              </div>
            </div>
            <PlaygroundOnly what="Training and experiments">
              <ViewPart name="train" what="training panel">
                <TrainPanel />
              </ViewPart>
              <ViewPart name="experiments" what="experiments panel">
                <ExperimentPanel />
              </ViewPart>
            </PlaygroundOnly>
            <ViewPart name="latency" what="latency view">
              <LatencyView />
            </ViewPart>
            <ViewPart name="entropy" what="entropy view">
              <EntropyView />
            </ViewPart>
            <div className="view-grid">
              <PlaygroundOnly what="Residual stream">
                <ViewPart name="residual" what="residual view">
                  <ResidualView />
                </ViewPart>
              </PlaygroundOnly>
              <ViewPart name="next-token" what="next-token view">
                <NextTokenView />
              </ViewPart>
            </div>
            <PlaygroundOnly what="Router, parameter-token map, layer dropping, KV-cache eviction, serving projection, token pruning">
              <ViewPart name="router-map" what="router map">
                <RouterMap />
              </ViewPart>
              <ViewPart name="param-attn" what="tokens × parameter tokens map">
                <ParamAttnMap />
              </ViewPart>
              <ViewPart name="drop" what="layer dropping view">
                <DropView />
              </ViewPart>
              <ErrorBoundary what="eviction view">
                <EvictionView />
              </ErrorBoundary>
              <ViewPart name="eviction-cost" what="exact eviction view">
                <EvictionCost />
              </ViewPart>
              <ErrorBoundary what="serving projection">
                <ServingView />
              </ErrorBoundary>
              <ViewPart name="prune" what="token pruning and merging view">
                <PruneView />
              </ViewPart>
            </PlaygroundOnly>
          </section>
        </Editor>
      </ErrorBoundary>
    </div>
  );
}
