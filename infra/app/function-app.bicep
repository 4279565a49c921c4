// The StationHub Functions app on a Flex Consumption plan (FC1). The runtime comes from
// functionAppConfig, so FUNCTIONS_WORKER_RUNTIME is not set. The app runs as the
// user-assigned identity: host storage, the deployment package, Application Insights and
// Key Vault references all authenticate with it.

@description('Name of the Function app (also the <name>.azurewebsites.net host name).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app.')
param location string

@description('Tags applied to the plan and the app; the app also gets azd-service-name.')
param tags resourceInput<'Microsoft.Web/sites@2024-11-01'>.tags

@description('Name of the azd service this app hosts (azure.yaml); azd finds the app by this tag.')
param serviceName string = 'api'

@description('Name of the user-assigned managed identity the app runs as.')
param identityName string

@description('Name of the storage account used as AzureWebJobsStorage and for the deployment package.')
param storageAccountName string

@description('Blob container that holds the deployment package.')
param deploymentContainerName string

@description('Name of the Application Insights component the app reports to.')
param applicationInsightsName string

@description('Name of the Key Vault that holds the secret settings.')
param keyVaultName string

@description('Plain (non-secret) app settings, by name.')
param appSettings { *: string }

@description('''App settings whose values come from Key Vault. Each setting "A__B" becomes the Key Vault
reference @Microsoft.KeyVault(VaultName=<vault>;SecretName=A--B), resolved with the app's identity.''')
param secretSettingNames string[]

@description('.NET version of the isolated worker.')
param runtimeVersion string = '10.0'

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Upper bound on the number of instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var secretSettings = toObject(
  secretSettingNames,
  settingName => settingName,
  settingName => '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${replace(settingName, '__', '--')})'
)

// Identity-based connections. These come last so nothing passed in can replace them.
var platformSettings = {
  AzureWebJobsStorage__accountName: storage.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.properties.clientId
  // Lets DefaultAzureCredential in the app's own Azure SDK clients pick the same identity.
  AZURE_CLIENT_ID: identity.properties.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identity.properties.clientId}'
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: runtimeVersion
      }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(appSettings, secretSettings, platformSettings)
  }

  // Deployments go through Microsoft Entra ID (azd uses it); basic-auth publishing stays off.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

@description('Name of the Function app.')
output name string = functionApp.name

@description('Resource ID of the Function app.')
output resourceId string = functionApp.id

@description('Base URL of the app; the HTTP routes live under <uri>/api/.')
output uri string = 'https://${functionApp.properties.defaultHostName}'
