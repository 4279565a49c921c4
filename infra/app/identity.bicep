// User-assigned managed identity the Functions app runs as. Every data-plane permission
// (storage, Key Vault references, Application Insights ingestion) is granted to it, so
// nothing in the app carries a key or a connection string.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags resourceInput<'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30'>.tags

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource ID of the identity.')
output resourceId string = identity.id

@description('Name of the identity.')
output name string = identity.name

@description('Client (application) ID of the identity, used by the Azure SDK and the Functions host to pick it.')
output clientId string = identity.properties.clientId

@description('Object (principal) ID of the identity.')
output principalId string = identity.properties.principalId
