import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router";
import { Layout } from "./components/Layout";
import { Loading } from "./components/Status";
import { ProjectsPage } from "./pages/ProjectsPage";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";

// Pages other than the projects list load on demand so the first page stays small.
const WorkspacePage = lazy(() => import("./pages/workspace/WorkspacePage"));
const RunPage = lazy(() => import("./run/RunPage"));
const ComparePage = lazy(() => import("./compare/ComparePage"));
const ApiKeysPage = lazy(() => import("./pages/ApiKeysPage"));
const ProjectSettingsPage = lazy(() => import("./pages/ProjectSettingsPage"));
const AccountPage = lazy(() => import("./pages/AccountPage"));
const AdminPage = lazy(() => import("./pages/AdminPage"));
const SweepsListPage = lazy(() => import("./sweeps/SweepsListPage"));
const SweepPage = lazy(() => import("./sweeps/SweepPage"));
const ArtifactsListPage = lazy(() => import("./artifacts/ArtifactsListPage"));
const ArtifactPage = lazy(() => import("./artifacts/ArtifactPage"));
const RegistryListPage = lazy(() => import("./registry/RegistryListPage"));
const ModelPage = lazy(() => import("./registry/ModelPage"));
const AutomationsPage = lazy(() => import("./registry/AutomationsPage"));

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<Layout />}>
        <Route index element={<ProjectsPage />} />
        <Route path="/settings/api-keys" element={<Lazy><ApiKeysPage /></Lazy>} />
        <Route path="/settings/account" element={<Lazy><AccountPage /></Lazy>} />
        <Route path="/admin" element={<Lazy><AdminPage /></Lazy>} />
        <Route path="/:entity/:project" element={<Lazy><WorkspacePage /></Lazy>} />
        <Route path="/:entity/:project/compare" element={<Lazy><ComparePage /></Lazy>} />
        <Route path="/:entity/:project/runs/:runId" element={<Lazy><RunPage /></Lazy>} />
        <Route path="/:entity/:project/settings" element={<Lazy><ProjectSettingsPage /></Lazy>} />
        <Route path="/:entity/:project/sweeps" element={<Lazy><SweepsListPage /></Lazy>} />
        <Route path="/:entity/:project/sweeps/:sweepId" element={<Lazy><SweepPage /></Lazy>} />
        <Route path="/:entity/:project/artifacts" element={<Lazy><ArtifactsListPage /></Lazy>} />
        <Route path="/:entity/:project/artifacts/:name" element={<Lazy><ArtifactPage /></Lazy>} />
        <Route path="/:entity/:project/artifacts/:name/:ver" element={<Lazy><ArtifactPage /></Lazy>} />
        {/* the model registry is per entity (design 0013) */}
        <Route path="/registry/:entity" element={<Lazy><RegistryListPage /></Lazy>} />
        <Route path="/registry/:entity/:model" element={<Lazy><ModelPage /></Lazy>} />
        <Route path="/automations/:entity" element={<Lazy><AutomationsPage /></Lazy>} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

function Lazy({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<Loading what="page" />}>{children}</Suspense>;
}
