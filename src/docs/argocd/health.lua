-- Argo CD health check for framepack.io/VideoGeneration.
-- Install it under resource.customizations.health.framepack.io_VideoGeneration in argocd-cm.
-- It reads the kstatus conditions the operator maintains, so it agrees with other GitOps tools.
local hs = {}
local function condition(status, kind)
  if status.conditions == nil then return nil end
  for _, c in ipairs(status.conditions) do
    if c.type == kind then return c end
  end
  return nil
end

if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end
local status = obj.status
if status.observedGeneration ~= nil and obj.metadata.generation ~= nil
    and status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. obj.metadata.generation
  return hs
end

local progress = ""
if status.progress ~= nil then progress = " (" .. status.progress .. ")" end
local message = status.message or status.phase or ""
local ready = condition(status, "Ready")
local stalled = condition(status, "Stalled")

if status.phase == "Succeeded" or (ready ~= nil and ready.status == "True") then
  hs.status = "Healthy"
elseif status.phase == "Failed" or (stalled ~= nil and stalled.status == "True") then
  hs.status = "Degraded"
  if stalled ~= nil and stalled.message ~= nil then message = stalled.message end
elseif status.phase == "Suspended" then
  hs.status = "Suspended"
else
  hs.status = "Progressing"
end
hs.message = message .. progress
return hs
